/**
 * Loads every domain's route contracts, so the document can be generated without starting the API
 * (scripts/openapi.mjs, the snapshot test). A new domain's `<domain>.contract.ts` gets one line here;
 * a route missing from it fails the contract test with what to add.
 */
import '../models/models.contract.js';
import '../benchmarks/benchmarks.contract.js';
import '../compare/compare.contract.js';
import '../devices/devices.contract.js';
import '../health/health.contract.js';
import '../auth/api-keys.contract.js';
import '../agents/agents.contract.js';
import '../suites/suites.contract.js';
import '../tensors/tensors.contract.js';
import '../jobs/jobs.contract.js';
import { allRouteContracts } from './route-contract.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';

export function farmOpenApiDocument(): OpenApiDocument {
  return buildOpenApiDocument(allRouteContracts());
}

/**
 * The comparison views end to end, on the real API and desktop agent with real engines:
 * - BlazeFace (ONNX, its int8 variant from the farm's quantizer, and the MediaPipe TFLite file)
 *   aligned layer by layer: matched rows cover at least 90% of every framework's profiled time,
 *   low-confidence rows are marked, and the alignment is stored once;
 * - a model built here with a 12-channel conv, an unfolded batch norm and a transposed conv,
 *   benchmarked for real: the advisor flags each, with the share the engines measured.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AdviceResponseSchema, BenchmarkRequestSchema, LayerCompareResponseSchema, type LayerCompareResponse } from '@farm/contracts';
import { advisorFixtureOnnx, dilatedConvOnnx } from '../fixtures/onnx-fixtures.js';
import {
  api,
  ROOT,
  createTestDatabase,
  requireEnv,
  SAMPLE,
  sql,
  startAgent,
  startApi,
  startWorker,
  upload,
  uploadBytes,
  waitForRun,
  type AgentHandle,
  type ApiHandle,
  type WorkerHandle,
  listDevices,
} from '../fixtures/stack.js';

// 10 profiled runs (the default): per-layer intervals need at least 5 per side.
const OPTIONS = { warmupRuns: 3, timedRuns: 20, profileRuns: 10 };

describe('comparison views: aligned layers and the advisor (real engines)', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  let second: AgentHandle | undefined;
  // Quantization (the int8 variant of BlazeFace) runs in the worker.
  let worker: WorkerHandle;
  let deviceId: string;
  let blazefaceId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');

  beforeAll(async () => {
    h = await startApi({ databaseUrl: await createTestDatabase('compare_views'), redisUrl });
    worker = await startWorker(h, { redisUrl });
    agent = await startAgent(h, { redisUrl });
    deviceId = (await listDevices(h.url))[0]!.id;
  });
  afterAll(async () => {
    await agent?.kill();
    await second?.kill();
    await worker?.kill();
    await h?.kill();
  });

  test('BlazeFace: every framework aligned on the ONNX graph, >= 90% of each profiled time in matched rows, low confidence marked', async () => {
    const modelId = (await upload(h.url, SAMPLE.onnx, { name: 'blazeface' })).body.model.id;
    blazefaceId = modelId;
    await upload(h.url, SAMPLE.tflite, { modelId });
    const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, options: OPTIONS, quantize: {} });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await waitForRun(h.url, created.body.runId);

    const res = await api<LayerCompareResponse>(h.url, 'GET', `/compare/layers?modelId=${modelId}&deviceId=${deviceId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const view = LayerCompareResponseSchema.parse(res.body);
    assert.equal(view.source.format, 'onnx');
    const labels = view.columns.map((c) => c.framework).sort();
    // OpenCV DNN refuses the QDQ graph (its own failure, reported on the job); every other cell ran.
    for (const fw of ['onnxruntime', 'opencv-dnn', 'tflite', 'onnxruntime (int8)']) assert.ok(labels.includes(fw), `${fw} in ${labels}`);
    // The figures the README quotes come from this line of the test log.
    console.log(
      view.columns
        .map((c) => `${c.framework}: matched ${(c.matchedShare * 100).toFixed(1)}%, low confidence ${(c.lowConfidenceShare * 100).toFixed(1)}%`)
        .join('\n'),
    );
    for (const c of view.columns) {
      assert.ok(c.matchedShare >= 0.9, `${c.framework}: matched rows cover ${(c.matchedShare * 100).toFixed(1)}% of its profiled time`);
      const rowSum = view.rows.reduce((s, r) => s + (r.cells[c.key]?.share ?? 0), 0);
      assert.ok(Math.abs(rowSum - c.matchedShare) < 1e-6, `${c.framework}: row shares add up to the matched share`);
    }
    // A row is low confidence exactly when one of its cells is below the threshold.
    for (const r of view.rows) {
      const low = Object.values(r.cells).some((x) => x !== null && x.confidence < view.lowConfidenceBelow);
      assert.equal(r.lowConfidence, low, r.key);
    }
    const tflite = view.columns.find((c) => c.framework === 'tflite')!;
    const tfliteRows = view.rows.filter((r) => r.cells[tflite.key]);
    assert.ok(tfliteRows.every((r) => r.cells[tflite.key]!.methods.every((m) => m === 'sequence' || m === 'shape')));
    // ORT fuses conv+ReLU: the first conv's row is a group covering both in every column.
    const first = view.rows.find((r) => r.sourceNodes.includes('StatefulPartitionedCall/functional_1/conv2d/BiasAdd'))!;
    assert.ok(first.group && first.sourceNodes.includes('StatefulPartitionedCall/functional_1/conv2d/Relu'));
    for (const c of view.columns) assert.ok(first.cells[c.key], `${c.framework} times the first conv`);
    assert.ok(view.pairs.length >= 3 && view.pairs.every((p) => p.low <= p.ratio && p.ratio <= p.high));

    // Per-run layer samples: one real[] per layer row (no extra rows), one sample per profiled run for the
    // runners whose profilers give runs apart, none for TFLite's summary.
    const counts = await sql<{ framework: string; n: number; runs: number; rows: string }>(
      h.databaseUrl,
      `SELECT r.framework, min(coalesce(array_length(t.samples_ms, 1), 0)) AS n, max(coalesce(array_length(t.samples_ms, 1), 0)) AS runs, count(*)::text AS rows
         FROM layer_timings t JOIN benchmark_results r ON r.id = t.result_id GROUP BY r.framework, r.id`,
    );
    for (const c of counts) {
      const expected = c.framework === 'tflite' ? 0 : OPTIONS.profileRuns;
      assert.deepEqual([c.n, c.runs], [expected, expected], `${c.framework}: samples per layer row`);
    }
    const ort = view.columns.find((c) => c.framework === 'onnxruntime')!;
    const cv = view.columns.find((c) => c.framework === 'opencv-dnn')!;
    const tf = view.columns.find((c) => c.framework === 'tflite')!;
    const withBoth = view.rows.filter((r) => r.cells[ort.key] && r.cells[cv.key]);
    const ortCv = withBoth.map((r) => r.deltas.find((d) => [d.a, d.b].sort().join() === [ort.key, cv.key].sort().join())!);
    assert.ok(ortCv.length > 0 && ortCv.every((d) => d.verdict !== 'unknown' && d.differenceLow! <= d.difference && d.difference <= d.differenceHigh!));
    for (const r of view.rows.filter((x) => x.cells[tf.key] && x.cells[ort.key])) {
      const d = r.deltas.find((x) => [x.a, x.b].includes(tf.key) && [x.a, x.b].includes(ort.key))!;
      assert.equal(d.verdict, 'unknown', 'TFLite gives no runs apart: no interval is claimed');
    }
    const tally = (v: string) => ortCv.filter((d) => d.verdict === v).length;
    console.log(
      `per-layer opencv-dnn vs onnxruntime over ${OPTIONS.profileRuns} profiled runs: ${tally('faster')} faster, ${tally('slower')} slower, ${tally('same')} no detectable difference (of ${ortCv.length} rows)`,
    );

    // Stored once per result: a second request reads the same rows back.
    const stored = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM layer_alignments');
    assert.equal(
      Number(stored[0]!.n),
      view.columns.reduce((s, c) => s + c.profiledLayers, 0),
    );
    const again = await api<LayerCompareResponse>(h.url, 'GET', `/compare/layers?modelId=${modelId}&deviceId=${deviceId}`);
    assert.deepEqual(again.body.rows, view.rows);

    const across = await api<LayerCompareResponse>(h.url, 'GET', `/compare/layers?modelId=${modelId}&framework=onnxruntime`);
    assert.equal(across.status, 200);
    assert.deepEqual(
      across.body.columns.map((c) => c.framework),
      ['onnxruntime'],
    );

    const bad = async (path: string, status: number, code: string) => {
      const r = await api(h.url, 'GET', path);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code);
    };
    // Exports: the same comparison as CSV (one line per row) and JSON (the same body), as downloads.
    const csv = await fetch(`${h.url}/compare/layers/export?modelId=${modelId}&deviceId=${deviceId}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="blazeface-.*-layers\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    assert.equal(lines.length, view.rows.length + 1);
    assert.ok(lines[0]!.startsWith('row,source_nodes,op_types,op_class,group,low_confidence,'));
    const json = await fetch(`${h.url}/compare/layers/export?modelId=${modelId}&deviceId=${deviceId}&format=json`);
    assert.deepEqual(JSON.parse(await json.text()).rows, view.rows);

    // Bad input: codes, not 500s.
    await bad(`/compare/layers/export?modelId=${modelId}&deviceId=${deviceId}&format=xml`, 400, 'VALIDATION_FAILED');
    await bad('/compare/layers', 400, 'VALIDATION_FAILED');
    await bad(`/compare/layers?modelId=${modelId}`, 400, 'VALIDATION_FAILED');
    await bad(`/compare/layers?modelId=${modelId}&deviceId=${deviceId}&framework=tflite`, 400, 'VALIDATION_FAILED');
    await bad(`/compare/layers?modelId=not-a-uuid&deviceId=${deviceId}`, 404, 'MODEL_NOT_FOUND');
    await bad(`/compare/layers?modelId=${modelId}&framework=coreml`, 404, 'RESULT_NOT_FOUND');
    await bad('/compare/advice', 400, 'VALIDATION_FAILED');

    const advice = AdviceResponseSchema.parse((await api(h.url, 'GET', `/compare/advice?modelId=${modelId}`)).body);
    const best = advice.items.find((i) => i.rule === 'best-framework')!;

    // The CLI prints the same table (coverage per framework, verdicts, rows) and the advice.
    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'layers', modelId, '--device', deviceId, '--top', '10', '--api', h.url]);
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(cli.code, 0, cli.out);
    for (const c of view.columns)
      assert.ok(
        cli.out.includes(`  ${c.framework}: median `) && cli.out.includes(`${(c.matchedShare * 100).toFixed(1)}% of `),
        `${c.framework} in:\n${cli.out}`,
      );
    assert.ok(cli.out.includes(best.title), cli.out);
    assert.match(cli.out, /^advice for blazeface:$/m);
    assert.match(cli.out, /view: http:\/\/127\.0\.0\.1:\d+\/\?modelId=.*&deviceId=.*#layers-section/);
    assert.ok(best.ratio && best.ratio.low <= best.ratio.ratio && best.ratio.ratio <= best.ratio.high);
    assert.match(best.expectedGain, /^measured: /);
  });

  /**
   * Uploads a model built here, benchmarks it for real under ONNX Runtime and OpenCV DNN, and returns
   * the advice with a check that finds a rule's item on a node and holds its evidence to the aligned rows.
   */
  async function benchmarkAndAdvise(bytes: Uint8Array, fileName: string) {
    const up = await uploadBytes(h.url, bytes, fileName, { name: fileName });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const modelId = up.body.model.id;
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [deviceId] },
      frameworks: ['onnxruntime', 'opencv-dnn'],
      options: OPTIONS,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await waitForRun(h.url, created.body.runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j: { framework: string; error: unknown }) => [j.framework, j.error])));

    const layers = LayerCompareResponseSchema.parse((await api(h.url, 'GET', `/compare/layers?modelId=${modelId}&deviceId=${deviceId}`)).body);
    const advice = AdviceResponseSchema.parse((await api(h.url, 'GET', `/compare/advice?modelId=${modelId}`)).body);
    const shareOf = (node: string, jobId: string) => layers.rows.find((r) => r.sourceNodes.includes(node))!.cells[jobId]!.share;
    const flagged = (rule: string, node: string) => {
      const item = advice.items.find((i) => i.rule === rule && i.nodes.includes(node));
      assert.ok(item, `${rule} on ${node}: ${JSON.stringify(advice.items.map((i) => [i.rule, i.nodes]))}`);
      assert.equal(item.evidence.length, 2, 'one measured share per engine');
      for (const e of item.evidence) {
        assert.ok(e.share > 0, `${rule}: ${e.framework} measured a share`);
        assert.ok(Math.abs(e.share - shareOf(node, e.jobId)) < 1e-9, `${rule}: ${e.framework}'s share is the aligned row's`);
      }
      assert.equal(item.maxShare, Math.max(...item.evidence.map((e) => e.share)));
      return item;
    };
    return { advice, flagged };
  }

  test('the advisor flags a 12-channel conv, an unfolded BatchNormalization and a transposed conv, each with its measured share', async () => {
    const { advice, flagged } = await benchmarkAndAdvise(advisorFixtureOnnx(), 'advisor-fixture.onnx');
    const channels = flagged('channels-not-multiple-of-8', 'c1');
    assert.match(channels.title, /12 output channels/);
    assert.ok(channels.maxShare >= advice.thresholds.costlyShare);
    assert.match(channels.expectedGain, /^not measured/);
    const bn = flagged('unfolded-batchnorm', 'bn1');
    assert.match(bn.title, /after Conv c1/);
    const transposed = flagged('transposed-conv', 'up1');
    console.log(
      [channels, bn, transposed].map((i) => `${i.rule}: ${i.evidence.map((e) => `${e.framework} ${(e.share * 100).toFixed(1)}%`).join(', ')}`).join('\n'),
    );
    assert.ok(transposed.maxShare >= advice.thresholds.costlyShare);

    // The farm can try int8 here: the advice carries a POST /benchmarks body that the API accepts as valid.
    const best = advice.items.find((i) => i.rule === 'best-framework')!;
    const quantize = best.actions.find((a) => a.request.quantize);
    assert.ok(quantize, JSON.stringify(best.actions));
    assert.ok(BenchmarkRequestSchema.safeParse(quantize.request).success);
    assert.deepEqual(quantize.request.targets, { deviceIds: [deviceId] });
  });

  test('the advisor flags a dilated conv with the share ONNX Runtime and OpenCV DNN measured', async () => {
    const { advice, flagged } = await benchmarkAndAdvise(dilatedConvOnnx(), 'dilated.onnx');
    const item = flagged('dilated-conv', 'd1');
    assert.match(item.title, /Dilated convolution d1 \(dilations 2x2\)/);
    assert.ok(item.maxShare >= advice.thresholds.costlyShare);
    assert.match(item.expectedGain, /^not measured/);
    console.log(`dilated-conv: ${item.evidence.map((e) => `${e.framework} ${(e.share * 100).toFixed(1)}%`).join(', ')}`);
  });

  test("one framework across devices: a second agent's device runs onnxruntime, and the cross-device ratio carries its interval", async () => {
    assert.ok(blazefaceId, 'the BlazeFace test ran first');
    // A second desktop agent enrolls as a second device on this host (the same CPU: the ratio checks the plumbing, not hardware).
    second = await startAgent(h, { redisUrl });
    const devices = (await api<{ items: { id: string }[] }>(h.url, 'GET', '/devices')).body.items;
    const other = devices.find((d) => d.id !== deviceId)!;
    assert.ok(other, 'the second agent registered a device');
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId: blazefaceId,
      targets: { deviceIds: [other.id] },
      frameworks: ['onnxruntime'],
      options: OPTIONS,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await waitForRun(h.url, created.body.runId);
    const view = LayerCompareResponseSchema.parse((await api(h.url, 'GET', `/compare/layers?modelId=${blazefaceId}&framework=onnxruntime`)).body);
    assert.deepEqual(view.columns.map((c) => c.deviceId).sort(), [deviceId, other.id].sort());
    assert.equal(view.devicePairs.length, 1);
    const p = view.devicePairs[0]!;
    assert.ok(p.low <= p.ratio && p.ratio <= p.high && p.a.deviceId !== p.b.deviceId);
    const medians = new Map(view.columns.map((c) => [c.key, c.medianMs]));
    assert.ok(medians.get(p.a.jobId)! <= medians.get(p.b.jobId)!, 'a is the device with the lower median');
    // Layer deltas across the two devices come from both runners' per-run samples.
    assert.ok(view.rows.some((r) => r.deltas.some((d) => d.verdict !== 'unknown')));
    console.log(`across devices: ${p.text}`);
  });

  test('in Chromium: the side-by-side table, op-class bars, distributions, fp32 vs int8 and the advice show the API figures (the README screenshots)', async () => {
    assert.ok(blazefaceId, 'the BlazeFace test ran first');
    // The dashboard tier is its own jest project (plain ESM, run against a live farm as a user would).
    const r = await new Promise<{ status: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', [join(ROOT, 'scripts/jest.sh'), '--selectProjects', 'dashboard', '--ci'], {
        cwd: ROOT,
        env: { ...process.env, FARM_API_URL: h.url, FARM_MODEL_ID: blazefaceId, FARM_DOCS_SCREENSHOTS: '1', FARM_EXPECT_ACROSS: '1' },
        timeout: 600_000,
      });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, out }));
    });
    assert.equal(r.status, 0, `dashboard test failed:\n${r.out}`);
    assert.match(r.out, /layers side by side/);
    assert.doesNotMatch(r.out, /\d+ failed/);
  });
});

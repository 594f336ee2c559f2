/** Path parameters shared by the route contracts. A malformed id answers 404 like an unknown one (UuidPipe). */
import { z } from 'zod';

export const IdParams = z.object({ id: z.string().uuid() });
export const JobIdParams = z.object({ jobId: z.string().uuid() });

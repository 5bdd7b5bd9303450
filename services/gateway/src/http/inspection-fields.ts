import { z } from 'zod';

/** Station, lot and part identifiers: short, printable, no spaces. */
const id = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'letters, digits and . _ : @ / - only');

/** The fields that describe what is inspected, shared by single inspections and batch jobs. */
export const inspectionFieldsSchema = z.object({
  modality: z.string().trim().min(1).max(32),
  stationId: id,
  lotId: id.optional(),
  partId: id.optional(),
  model: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/)
    .optional(),
  version: z
    .string()
    .trim()
    .regex(/^[0-9]{1,9}$/, 'a positive integer')
    .optional(),
});

/**
 * Which dataset classes the model knows, and what each one is for the model: a defect class, the good class,
 * or neither. Names must match exactly (the contract's `class_names_json` against the manifest's `class`);
 * nothing is renamed or guessed.
 */

export type ClassRole = 'defect' | 'good' | 'other';

export interface LabelSpace {
  /** The model's classes, in its output order. */
  classes: readonly string[];
  goodClass?: string;
  defectClasses: readonly string[];
}

export interface ClassMapping {
  /** Dataset classes that are model classes (dataset order), with their role. */
  matched: Record<string, ClassRole>;
  /** Dataset classes the model does not have: their items are left out. */
  unmatchedDatasetClasses: string[];
  /** Model classes without items in the dataset. */
  modelClassesWithoutData: string[];
}

export class ClassMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassMappingError';
  }
}

export function roleOf(cls: string, labels: LabelSpace): ClassRole {
  if (labels.defectClasses.includes(cls)) return 'defect';
  if (cls === labels.goodClass) return 'good';
  return 'other';
}

/** @throws ClassMappingError when no dataset class is a model class. */
export function mapClasses(datasetClasses: readonly string[], labels: LabelSpace): ClassMapping {
  const known = new Set(labels.classes);
  const present = new Set(datasetClasses);
  const matched: Record<string, ClassRole> = {};
  const unmatched: string[] = [];
  for (const c of datasetClasses) {
    if (known.has(c)) matched[c] = roleOf(c, labels);
    else unmatched.push(c);
  }
  if (Object.keys(matched).length === 0) {
    throw new ClassMappingError(
      `none of the dataset's classes [${datasetClasses.join(', ')}] is a class of the model ` +
        `[${labels.classes.join(', ')}]; names must match exactly`,
    );
  }
  return {
    matched,
    unmatchedDatasetClasses: unmatched,
    modelClassesWithoutData: labels.classes.filter((c) => !present.has(c)),
  };
}

/** Lines for the console about classes that did not match (empty when all did). */
export function describeMapping(
  mapping: ClassMapping,
  classCounts: Readonly<Record<string, number>>,
): string[] {
  const lines: string[] = [];
  if (mapping.unmatchedDatasetClasses.length > 0) {
    const shown = mapping.unmatchedDatasetClasses.map((c) => `${c} (${classCounts[c] ?? 0} items)`);
    lines.push(`dataset classes the model does not have, left out: ${shown.join(', ')}`);
  }
  if (mapping.modelClassesWithoutData.length > 0) {
    lines.push(`model classes with no items in the dataset: ${mapping.modelClassesWithoutData.join(', ')}`);
  }
  const other = Object.entries(mapping.matched).filter(([, role]) => role === 'other');
  if (other.length > 0) {
    lines.push(
      `classes that are neither the good class nor a defect class (not in AUROC or rates): ` +
        other.map(([c]) => c).join(', '),
    );
  }
  return lines;
}

// Where the model shipped in the package is: models/spam-default.model, trained by
// scripts/train-model.mjs, two levels above this file in src/spam or dist/spam.
import { fileURLToPath } from 'node:url';

export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../models/spam-default.model', import.meta.url));

import { isMap, isNode, LineCounter, parseDocument, visit } from 'yaml';
import type { YamlApi } from './policies-parser.js';

/**
 * The parts of `yaml` the policies parser uses. The functions import this
 * module only when POLICIES_FILE is set; it reaches nothing else of theirs,
 * so it stays one file of its own.
 */
export const yamlApi: YamlApi = { isMap, isNode, LineCounter, parseDocument, visit };

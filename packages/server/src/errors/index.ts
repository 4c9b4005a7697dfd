export { ERROR_CODES, type ErrorCode, httpStatusOf } from './codes.js';
export { isSoulBoxError, SoulBoxError, toSoulBoxError } from './soulbox-error.js';

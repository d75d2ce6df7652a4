import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CbsError, type ErrorCode } from '../../errors/index.js';

/**
 * One error body for every failure: `{statusCode, error, code, message}`. Validation
 * messages name the offending field; 5xx bodies never carry internals (the cause goes
 * to the log only).
 */
/**
 * Fastify answers some malformed URLs before any route or hook runs (a bad percent
 * escape, an overlong path parameter); given as the `frameworkErrors` option, this
 * answers them in the same error body.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const e = toCbsError(err);
  void reply.status(e.status).send(e.toBody());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | CbsError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const e = toCbsError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.debug({ code: e.code, msg: e.message }, 'request rejected');
    const body = e.toBody();
    return reply.status(e.status).send(e.status >= 500 ? { ...body, message: withoutServerPaths(body.message) } : body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new CbsError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.status(404).send(e.toBody());
  });
}

interface AjvError { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }

export function toCbsError(err: unknown): CbsError {
  if (err instanceof CbsError) return err;
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation && fe.validation.length) {
    const v = fe.validation[0]!;
    const where = fe.validationContext ?? 'request';
    const { field, message: msg } = describeValidation(where, v);
    return new CbsError('VALIDATION_FAILED', msg, { details: { field }, cause: err });
  }
  const byFastifyCode: Record<string, [ErrorCode, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'request body is too large'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'content-length does not match the body'],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_FAILED', 'body must not be empty when content-type is application/json'],
    FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_FAILED', 'body is not valid JSON'],
    FST_ERR_BAD_URL: ['VALIDATION_FAILED', 'the URL is malformed'],
    FST_ERR_MAX_PARAM_LENGTH: ['VALIDATION_FAILED', 'a path parameter is too long'],
    FST_ERR_ASYNC_CONSTRAINT: ['VALIDATION_FAILED', 'the request is malformed'],
  };
  const mapped = fe.code ? byFastifyCode[fe.code] : undefined;
  if (mapped) return new CbsError(mapped[0], mapped[1], { cause: err });
  if (fe.name === 'SyntaxError' && fe.statusCode === 400) return new CbsError('VALIDATION_FAILED', 'body is not valid JSON', { cause: err });
  const status = fe.statusCode ?? 500;
  if (status === 405) return new CbsError('METHOD_NOT_ALLOWED', 'method not allowed', { cause: err });
  if (status === 413) return new CbsError('PAYLOAD_TOO_LARGE', 'request body is too large', { cause: err });
  if (status === 415) return new CbsError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json', { cause: err });
  if (status >= 400 && status < 500) return new CbsError('VALIDATION_FAILED', 'the request is malformed', { cause: err });
  return new CbsError('INTERNAL', 'internal error; see the server log', { cause: err });
}

function describeValidation(where: string, v: AjvError): { field: string; message: string } {
  const ctx = where === 'querystring' ? 'query parameter' : where === 'params' ? 'path parameter' : where === 'headers' ? 'header' : 'body field';
  const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = v.params?.['missingProperty'] ?? v.params?.['additionalProperty'];
  const field = typeof extra === 'string' ? (path ? `${path}.${extra}` : extra) : path || where;
  if (v.keyword === 'additionalProperties') return { field, message: `${ctx} "${field}" is not allowed` };
  if (v.keyword === 'required') return { field, message: `${ctx} "${field}" is required` };
  return { field, message: `${ctx} "${field}" ${v.message ?? 'is invalid'}` };
}

/** An absolute path (not a URL's "//host"), after a start, a space, a quote, "(", "=" or ":". */
const ABSOLUTE_PATH = /(^|[\s'"(=:])\/(?!\/)[^\s'"(),;:]*/g;

/**
 * 5xx messages are the server's own, but a path of the server's machine (a database
 * file, a bucket directory, an agent's volume) must never reach a caller: each is
 * replaced by "<path>"; the log keeps the original.
 */
export function withoutServerPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, '$1<path>');
}

import { Type } from '@sinclair/typebox';
import { ACCOUNT_ID_PATTERN } from '../../auth/index.js';

export const ErrorBodySchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
}, { $id: 'Error' });

export const AccountIdSchema = Type.String({ pattern: ACCOUNT_ID_PATTERN, description: 'account-XXXXXXXX' });
/** Path parameters of a route that names only the account. */
export const AccountParamsSchema = Type.Object({ accountId: AccountIdSchema });
export const UuidSchema = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });

/** The two headers every route under the BlueXP prefix requires. */
export const CbsHeadersSchema = Type.Object({
  authorization: Type.String({ description: 'Bearer <token>' }),
  'x-agent-id': Type.String({ description: 'Connector (agent) client id, ends in "clients"' }),
});

/** Error responses every authenticated route can give. */
export const errorResponses = {
  400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 503: ErrorBodySchema,
};

export const PREFIX = '/account/:accountId/providers/cloudmanager_cbs/api';

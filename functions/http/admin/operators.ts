// Admin API for operators (O1, O2, O4): list, create (with login), show, and update role, groups, capacity or enabled.
import { operatorCreateSchema } from '../../../shared/store/operators';
import { pageRequestOf } from '../../../shared/store/pagination';
import {
  createOperator,
  listOperators,
  operatorUpdateSchema,
  showOperator,
  updateOperator,
} from '../../../shared/use-cases/admin/operators';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource, pathParameter } from '../../adapters/http-resource';

export const handler = adminResource('operators', {
  list: adminRoute(noBody, async ({ actor, query }) => ({
    body: await listOperators(actor, pageRequestOf(query)),
  })),
  create: adminRoute(operatorCreateSchema, async ({ actor, body }) => ({
    status: 201,
    body: await createOperator(actor, body),
  })),
  show: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await showOperator(actor, pathParameter(pathParameters, 'operatorId')),
  })),
  update: adminRoute(operatorUpdateSchema, async ({ actor, pathParameters, body }) => ({
    body: await updateOperator(actor, pathParameter(pathParameters, 'operatorId'), body),
  })),
});

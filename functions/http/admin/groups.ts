// Admin API for groups (O2, O4): list, create, show (with its operators), rename or change strategy, delete if unused.

import { pageRequestOf } from '../../../shared/store/pagination';
import {
  createGroup,
  deleteGroup,
  groupCreateSchema,
  groupUpdateSchema,
  listGroups,
  showGroup,
  updateGroup,
} from '../../../shared/use-cases/admin/groups';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource, pathParameter } from '../../adapters/http-resource';

export const handler = adminResource('groups', {
  list: adminRoute(noBody, async ({ actor, query }) => ({
    body: await listGroups(actor, pageRequestOf(query)),
  })),
  create: adminRoute(groupCreateSchema, async ({ actor, body }) => ({
    status: 201,
    body: await createGroup(actor, body),
  })),
  show: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await showGroup(actor, pathParameter(pathParameters, 'groupId')),
  })),
  update: adminRoute(groupUpdateSchema, async ({ actor, pathParameters, body }) => ({
    body: await updateGroup(actor, pathParameter(pathParameters, 'groupId'), body),
  })),
  remove: adminRoute(noBody, async ({ actor, pathParameters }) => {
    await deleteGroup(actor, pathParameter(pathParameters, 'groupId'));
    return { status: 204 };
  }),
});

// Admin API for ticket categories (T2, O4): list, create, rename, delete; names are unique ignoring case.
import {
  categoryNameSchema,
  createCategory,
  deleteCategory,
  listCategories,
  renameCategory,
} from '../../../shared/use-cases/admin/categories';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource, pathParameter } from '../../adapters/http-resource';

export const handler = adminResource('categories', {
  list: adminRoute(noBody, async ({ actor }) => ({ body: await listCategories(actor) })),
  create: adminRoute(categoryNameSchema, async ({ actor, body }) => ({
    status: 201,
    body: await createCategory(actor, body),
  })),
  rename: adminRoute(categoryNameSchema, async ({ actor, pathParameters, body }) => ({
    body: await renameCategory(actor, pathParameter(pathParameters, 'categoryId'), body),
  })),
  remove: adminRoute(noBody, async ({ actor, pathParameters }) => {
    await deleteCategory(actor, pathParameter(pathParameters, 'categoryId'));
    return { status: 204 };
  }),
});

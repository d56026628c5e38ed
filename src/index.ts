export * from './bundle/org-ca-bundle';

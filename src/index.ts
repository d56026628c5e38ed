export * from './bundle/org-ca-bundle';
export * from './pod/ca-env';
export * from './pod/merged-ca-init-container';
export * from './pod/ca-trust';

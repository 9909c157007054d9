export { isSecretReference, secretVersionName, SECRET_PREFIX } from './reference';
export { SecretStore, SecretLoadError } from './store';
export { secretManagerAccessor, type SecretAccessor, type SecretVersion } from './client';

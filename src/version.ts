// The exporter's version: package.json's, so there is one source of truth.

export { PACKAGE_VERSION as VERSION } from './package-root.js';

export { ModelServer, SERVER_INFO, type ModelServerOptions } from './server';
export { ModelManager, type ModelControlMode, type IndexRow } from './models/model-manager';
export { main } from './cli';

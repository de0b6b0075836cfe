export * from './transfer-validation';
export * from './transfer-server';

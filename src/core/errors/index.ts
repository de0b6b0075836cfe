export * from './streams-error';
export * from './topology-error';
export * from './serialization-error';
export * from './processing-error';

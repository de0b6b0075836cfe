export { defineTopology, TopologyBuilder, TopologyOptions } from './topology-builder';
export { SubTopologyBuilder, StreamOptions } from './sub-topology-builder';
export { KStream, Named, DedupeOptions, AggregateOptions, ToOptions, ProcessOptions } from './kstream';
export { Topology, TopicSpec, TopicRole, SubTopology, TaskId } from './topology';
export { ErrorHandling, ErrorPolicy, FailureStage } from './error-handling';
export { ProcessorApi, changelogTopicFor } from './nodes';
export { BranchedStream, BranchOptions } from './branched-stream';

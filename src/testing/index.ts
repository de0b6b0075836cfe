export { TopologyTestDriver, TestInputTopic, TestOutputTopic, OutputRecord, DriverOptions, SimulatedCrash } from './topology-test-driver';
export { InMemoryLog } from './in-memory-log';

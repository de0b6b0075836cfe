export { TopologyTestDriver, TestInputTopic, TestOutputTopic, OutputRecord, DriverOptions, SimulatedCrash, FaultPoint, FAULT_POINTS } from './topology-test-driver';
export { InMemoryLog } from './in-memory-log';

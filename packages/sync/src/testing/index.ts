/** Test helpers for sync: a fault-injecting transport. Not part of the runtime API. */
export {
  type FaultPlan,
  FaultyTransport,
  PUSH_FAULTS,
  type PushFault,
  REQUEST_FAULTS,
  type RequestFault,
} from './faults';

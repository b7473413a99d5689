export { readTensorProto } from './tensor-proto.js';

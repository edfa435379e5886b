/** The models subsystem's public face: pulling ONNX models from a hub into the models folder, and listing them. */
export { pullModel, listModels, modelDir, manualInstallHint, ModelHubError, type PullOptions, type PullProgress, type PullResult, type InstalledModel } from "./hub.js";

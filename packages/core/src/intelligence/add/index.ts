/** POST /add: chat turns in, memories out (rules sentence selection, the LLM when configured). */
export { AddService, type AddInput, type AddMessage, type AddResult, type AddPicker, type Picked } from "./service.js";
export { selectSentences, sentences } from "./select.js";
export { llmAddPicker } from "./llm.js";

/** Episodes: spans of work with member memories, finalized into a searchable narrative. */
export { EpisodeService, type Episode, type EpisodeQuery, type NarrativeWriter } from "./service.js";
export { rulesNarrative, firstSentence, cutAtWord, MAX_NARRATIVE_CHARS } from "./narrative.js";
export { llmNarrativeWriter } from "./llm.js";

/** POST /derive (contracts/intelligence.md §5.1): the public face. */
export { DeriveService, type Deriver, type DeriveRequest, type DeriveResult, type Premise } from "./service.js";
export { deriveByRules, type Derived, type PremiseFact } from "./rules.js";

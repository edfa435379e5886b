/** The auth subsystem's tables: users, api_keys and spaces, a store each. */
export { UserStore, type NewUserRow } from "./users.js";
export { KeyStore, type NewKeyRow } from "./keys.js";
export { SpaceStore, type NewSpaceRow } from "./spaces.js";

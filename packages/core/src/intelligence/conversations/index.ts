/** Conversations and their messages: chat logs per tenant, searchable by words. */
export { ConversationService, type Conversation, type ConversationInput, type Message, type MessageInput } from "./service.js";

export { EVENT_SCHEMAS, type EventName } from "./events/registry";
export { EVENT_NAMES, type EventNameList } from "./events/names.generated";
export { PLATFORM_ERROR_CODES, type PlatformErrorCode } from "./errors";
export { WEBHOOK_EVENT_FILTERS, type WebhookEventFilter } from "./webhooks";

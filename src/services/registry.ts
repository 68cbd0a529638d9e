// The eight services by name, each loaded only when asked for: `poste serve NAME` and
// `poste stack` start a service from here, and a single-file bundle of one service pulls in
// only that service's code.
import type { ServiceDefinition } from './service.js';

export const SERVICE_NAMES = [
  'submission',
  'signer',
  'primary',
  'relay',
  'resolver',
  'receiver',
  'filter',
  'acme',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

type Loader = () => Promise<ServiceDefinition<never>>;

const LOADERS: Record<ServiceName, Loader> = {
  // --- The four services written alongside (src/services/<name>/index.ts exports <name>Service).
  submission: async () => (await import('./submission/index.js')).submissionService,
  signer: async () => (await import('./signer/index.js')).signerService,
  receiver: async () => (await import('./receiver/index.js')).receiverService,
  filter: async () => (await import('./filter/index.js')).filterService,
  // --- The services that predate the contract, wrapped by a definition.ts beside them.
  primary: async () => (await import('./primary/definition.js')).primaryService,
  relay: async () => (await import('./relay/definition.js')).relayService,
  resolver: async () => (await import('./resolver/definition.js')).resolverService,
  acme: async () => (await import('./acme/definition.js')).acmeService,
};

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** The definition of a service; throws for a name that is not one of the eight. */
export async function loadService(name: string): Promise<ServiceDefinition> {
  if (!isServiceName(name))
    throw new Error(`unknown service ${JSON.stringify(name)} (known: ${SERVICE_NAMES.join(', ')})`);
  return (await LOADERS[name]()) as unknown as ServiceDefinition;
}

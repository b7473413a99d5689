/**
 * Vitest global setup of both projects (vitest.config.ts): installs the project's peer folders
 * (its `peerFolders`) before its first test file imports them. A no-op when they are current.
 */
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain JS module without types
import { installPeers } from '../../tools/install-peers.mjs';

export function setup(project: TestProject): void {
  const folders = (project.getProvidedContext() as { peerFolders?: string[] }).peerFolders ?? [];
  for (const folder of folders) installPeers(folder);
}

/**
 * Messages an agent sends (task errors) are shown to everyone who can read the job, so
 * the absolute paths of the agent's machine are taken out before they are stored: a
 * path inside the task's volume becomes volume-relative ("/a/b"), the agent's work
 * directories (".cbs-…") vanish from paths, and what is left of a WE root or a LOCAL
 * bucket directory is named, not spelled out. The original goes to the log.
 */
export interface PathPlaces {
  /** The volume the message is about, as a directory of the agent's machine. */
  volumeDir?: string;
  /** WE roots of the account's agents. */
  weRoots: readonly string[];
  /** LOCAL bucket directories of the account. */
  bucketDirs: readonly string[];
}

/** Characters that end a path in a message. */
const DELIM = `\\s'"():,;\\[\\]`;
const WORK_DIR = `/\\.cbs-[^/${DELIM}]*`;

/** `prefix` where a path segment ends; group 1 is the "/" that continues the path, if any. */
function at(prefix: string): RegExp {
  return new RegExp(`${prefix}(?=(/)|$|[${DELIM}])`, 'g');
}

export function scrubPaths(message: string, places: PathPlaces): string {
  let m = message;
  // "<dir>/x" → "<as>/x"; "<dir>" alone → "<as>" (for the volume: "/").
  const replace = (re: RegExp, as: string): void => {
    m = m.replace(re, (_all, slash: string | undefined) => (slash ? as : as || '/'));
  };
  if (places.volumeDir) replace(at(literal(places.volumeDir)), '');
  // A volume restore works in "<root>/.cbs-restore-…": paths there are paths of the volume being made.
  for (const root of longestFirst(places.weRoots)) replace(at(literal(root) + WORK_DIR), '');
  replace(at(WORK_DIR), '');
  for (const b of longestFirst(places.bucketDirs)) replace(at(literal(b)), '<bucket>');
  for (const r of longestFirst(places.weRoots)) replace(at(literal(r)), '<working environment>');
  return m;
}

function longestFirst(xs: readonly string[]): string[] {
  return [...new Set(xs.map((x) => x.replace(/\/+$/, '')).filter((x) => x !== ''))].sort((a, b) => b.length - a.length);
}

function literal(s: string): string {
  return s.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

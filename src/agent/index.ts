/**
 * agent — the process next to the data (BlueXP's "Connector").
 *  credentials  agent id + secret; the control plane keeps only the secret's hash
 *  driver       how a working environment's volumes are found and read (`local-fs`: a root
 *               directory whose immediate subdirectories are the volumes)
 *  task         a unit of work claimed from the control plane under a lease (backup a
 *               volume, restore a volume / folder / batch of files, initialise a repository)
 *  call         a short question from the control plane (list a live directory or a
 *               backup's directory), answered within seconds
 *  engine       the repository operations the runners need, supplied by main/
 * The agent talks to the control plane only over HTTP (/agent/v1); it never touches the
 * database.
 */
export * from './agent.js';
export * from './agent-credentials.js';
export * from './engine.js';
export * from './protocol-client.js';
export * from './local-fs-driver.js';

import { createHash, type Hash } from 'node:crypto';
import { seal } from '../crypto/index.js';
import { encodePackHeader, type BlobType, type PackBlob } from './pack-format.js';

/** A finished pack: its bytes, its name (SHA-256 of the bytes) and what it holds. */
export interface FinishedPack {
  readonly id: string;
  readonly bytes: Buffer;
  readonly blobs: readonly PackBlob[];
}

/**
 * Collects sealed blobs into one pack: blob || blob || … || sealed header || u32le
 * header length. The SHA-256 is computed as blobs arrive so finishing costs one pass
 * over the header only.
 */
export class PackWriter {
  private readonly parts: Buffer[] = [];
  private readonly blobs: PackBlob[] = [];
  private readonly hash: Hash = createHash('sha256');
  private offset = 0;

  constructor(private readonly encKey: Buffer) {}

  get size(): number { return this.offset; }
  get count(): number { return this.blobs.length; }

  add(type: BlobType, id: Buffer, sealed: Buffer, rawLength: number): void {
    this.parts.push(sealed);
    this.hash.update(sealed);
    this.blobs.push({ id, type, offset: this.offset, length: sealed.length, rawLength });
    this.offset += sealed.length;
  }

  finish(): FinishedPack {
    const header = seal(this.encKey, 'pack-header', [encodePackHeader(this.blobs)]);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(header.length, 0);
    this.hash.update(header).update(len);
    const id = this.hash.digest('hex');
    return { id, bytes: Buffer.concat([...this.parts, header, len]), blobs: this.blobs };
  }
}

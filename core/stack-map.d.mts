/** From now on, frames in `bundle` (an ES module file with `<bundle>.map` beside it) show the original place. */
export declare function mapStacks(bundle: string): void;

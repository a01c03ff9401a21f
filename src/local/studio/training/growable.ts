/** A Float64Array that grows by doubling: compact storage for one number per held-out row. */
export class GrowableFloat64 {
    private data = new Float64Array(1024);
    length = 0;

    push(value: number): void {
        if (this.length === this.data.length) {
            const next = new Float64Array(this.data.length * 2);
            next.set(this.data);
            this.data = next;
        }
        this.data[this.length++] = value;
    }

    view(): Float64Array {
        return this.data.subarray(0, this.length);
    }
}

/** What the checker found wrong, in words: every finding counts, the first ones are kept to print. */

const MAX_PROBLEMS = 40;

export class Findings {
  readonly problems: string[] = [];
  private count = 0;
  note(problem: string): void {
    this.count++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else if (this.problems.length === MAX_PROBLEMS) this.problems.push('(more problems not listed)');
  }
  get total(): number {
    return this.count;
  }
}

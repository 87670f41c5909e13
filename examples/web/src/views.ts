/**
 * The live views, drawn with `@asng/report-render`: the loss curves, the
 * distribution's heat map, the most likely cells, the progress bar.
 */
import type { ArchitectureGraph, VariableBelief } from '@asng/core';
import { architectureSvg, lineChart, probabilityHeatMap } from '@asng/report-render';
import type { StepMessage } from './protocol.js';
import { estimateSecondsLeft, formatDuration, type StepTime } from './time-left.js';

const element = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};

/** What the live views have seen of a search. */
export class LiveViews {
  private train: [number, number][] = [];
  private validation: [number, number][] = [];
  private times: StepTime[] = [];
  private drawnAt = 0;
  private warmupSteps = 0;

  /** Forgets the curves (a new search, or a resumed one whose earlier steps are not shown). */
  reset(warmupSteps: number): void {
    this.train = [];
    this.validation = [];
    this.times = [];
    this.warmupSteps = warmupSteps;
    element('loss-chart').innerHTML = '';
    element('heat-map').innerHTML = '';
    element('cell-diagram').innerHTML = '';
  }

  /** A finished step: the progress bar, the pace, and (at most twice a second) the loss chart. */
  step(e: StepMessage): void {
    this.train.push([e.step, e.trainLoss]);
    if (Number.isFinite(e.validationLoss)) this.validation.push([e.step, e.validationLoss]);
    this.times.push({ step: e.step, seconds: e.seconds });
    const progress = element<HTMLProgressElement>('progress');
    progress.max = e.totalSteps;
    progress.value = e.step;
    element('progress-text').textContent = `Step ${e.step} of ${e.totalSteps} (epoch ${e.epoch + 1}).`;
    const left = estimateSecondsLeft(this.times, e.totalSteps, { warmupSteps: this.warmupSteps });
    element('time-left').textContent = `About ${formatDuration(left)} left.`;
    element('images-per-second').textContent = `${e.imagesPerSecond.toFixed(0)} images/s.`;
    const now = performance.now();
    if (now - this.drawnAt > 500 || e.step === e.totalSteps) {
      this.drawnAt = now;
      this.drawLoss();
    }
  }

  private drawLoss(): void {
    element('loss-chart').innerHTML = lineChart({
      title: 'Loss',
      xLabel: 'step',
      series: [
        { name: 'training', points: this.train },
        { name: 'validation', points: this.validation },
      ],
      width: 560,
      height: 240,
    });
  }

  /** An epoch's end: the heat map of the probabilities and the most likely cells. */
  epoch(epoch: number, beliefs: readonly VariableBelief[], graph: ArchitectureGraph): void {
    this.drawLoss();
    element('heat-map').innerHTML = probabilityHeatMap(beliefs, `Probability of each choice after epoch ${epoch + 1}`);
    element('cell-diagram').innerHTML = architectureSvg(graph, { idPrefix: 'live-cells' });
  }

  /** The final architecture's cells, with ids of their own. */
  diagram(graph: ArchitectureGraph): string {
    return architectureSvg(graph, { idPrefix: 'found-cells' });
  }

  /** The search is over: a full bar. */
  finished(text: string): void {
    const progress = element<HTMLProgressElement>('progress');
    progress.value = progress.max;
    element('progress-text').textContent = text;
    element('time-left').textContent = '';
  }
}

export { element };

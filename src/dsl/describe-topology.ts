/**
 * The text forms of a topology: Kafka Streams' `TopologyDescription` text (a contract: tools such as
 * kafka-streams-viz parse it), the same followed by what only we know (node kinds, partitions, changelogs, tasks),
 * and a Mermaid flowchart.
 */
import type { SubTopology, Topology } from './topology';
import type { TopologyNode } from './nodes';

/**
 * Kafka Streams' order of the nodes of a sub-topology, and of a node's successors and predecessors: the node with the
 * larger downstream (itself plus, for each child, the child's downstream) first, then by name.
 */
function kafkaOrder(sub: SubTopology): (a: TopologyNode, b: TopologyNode) => number {
  const byName = new Map(sub.nodes.map((n) => [n.name, n]));
  const sizes = new Map<string, number>();
  const size = (n: TopologyNode): number => {
    let s = sizes.get(n.name);
    if (s === undefined) {
      s = 1 + n.children.reduce((sum, c) => sum + size(byName.get(c)!), 0);
      sizes.set(n.name, s);
    }
    return s;
  };
  return (a, b) => size(b) - size(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function names(nodes: TopologyNode[]): string {
  return nodes.length === 0 ? 'none' : nodes.map((n) => n.name).join(', ');
}

function describeSubTopology(sub: SubTopology, id: number): string {
  const order = kafkaOrder(sub);
  const byName = new Map(sub.nodes.map((n) => [n.name, n]));
  const successors = (n: TopologyNode) => n.children.map((c) => byName.get(c)!).sort(order);
  const predecessors = (n: TopologyNode) => (n.parent ? [byName.get(n.parent)!] : []);
  let text = `Sub-topology: ${id}\n`;
  for (const n of [...sub.nodes].sort(order)) {
    let node: string;
    if (n.kind === 'source') node = `Source: ${n.name} (topics: [${n.topic}])\n      --> ${names(successors(n))}`;
    else if (n.kind === 'sink') node = `Sink: ${n.name} (topic: ${n.topic})\n      <-- ${names(predecessors(n))}`;
    else node = `Processor: ${n.name} (stores: [${n.stores.join(', ')}])\n      --> ${names(successors(n))}\n      <-- ${names(predecessors(n))}`;
    text += `    ${node}\n`;
  }
  return `${text}\n`;
}

/**
 * Kafka Streams' `Topology.describe().toString()`, byte for byte: sub-topologies numbered 0, 1, ... in definition
 * order, our node names as the processor names. Ends with a blank line, as Kafka Streams' does.
 */
export function kafkaStreamsDescription(t: Topology): string {
  return `Topologies:\n ${t.subTopologies.map((sub, id) => `  ${describeSubTopology(sub, id)}`).join('')}`;
}

/** Rows of columns, each column padded to its widest cell (the last column is not padded), trailing spaces trimmed. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}`.trimEnd());
}

/**
 * Kafka Streams' text, then what it has no place for: the application id, each numbered sub-topology's name, tasks
 * and node kinds, each store's changelog topic, every topic with its partition count, cleanup policy and roles, and
 * the tasks of the run. The second part has no line a Kafka Streams description parser takes for one of its own.
 */
export function detailedDescription(t: Topology, partitions: number): string {
  const lines: string[] = [`Application: ${t.applicationId}`];
  t.subTopologies.forEach((sub, id) => {
    const tasks = t.tasks(partitions).filter((x) => x.subTopology === sub.name);
    lines.push('', `Sub-topology ${id} is ${sub.name}, tasks ${tasks.map((x) => x.id).join(' ')}`);
    const changelogOf = new Map(sub.stores.map((s) => [s.name, s.changelogTopic]));
    lines.push(
      ...table(
        sub.nodes.map((n) => [
          n.name,
          n.kind,
          n.stores.map((s) => `store ${s}${changelogOf.has(s) ? ` (changelog ${changelogOf.get(s)})` : ''}`).join(', '),
        ]),
      ),
    );
  });
  lines.push('', 'Topics:');
  const retention = (ms: number | undefined) => (ms === undefined ? '' : `  retention.ms=${ms}`);
  lines.push(...table(t.topics(partitions).map((s) => [s.name, `partitions=${s.partitions}  cleanup.policy=${s.cleanupPolicy}${retention(s.retentionMs)}  (${s.roles.join(', ')})`])));
  lines.push('', `Tasks: ${t.tasks(partitions).map((x) => x.id).join(' ')}`);
  return `${kafkaStreamsDescription(t)}${lines.join('\n')}\n`;
}

/** A Mermaid label: quoted, with the characters Mermaid would read as markup written as its entity codes. */
function label(text: string): string {
  const codes: Record<string, string> = { '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;' };
  return `"${text.replace(/[#"<>&]/g, (c) => codes[c])}"`;
}

/**
 * A Mermaid flowchart: each sub-topology a subgraph of its nodes (processors as boxes, their stores as cylinders
 * joined by a dotted line), each source or sink topic a rounded node outside them, so the topics that join two
 * sub-topologies sit between their subgraphs.
 */
export function mermaidDiagram(t: Topology): string {
  const topics: string[] = [];
  for (const sub of t.subTopologies) {
    for (const n of sub.nodes) if ((n.kind === 'source' || n.kind === 'sink') && !topics.includes(n.topic)) topics.push(n.topic);
  }
  const topicId = (topic: string) => `t${topics.indexOf(topic)}`;
  const lines = ['flowchart TB'];
  for (const topic of topics) lines.push(`    ${topicId(topic)}([${label(topic)}])`);
  const links: string[] = [];
  t.subTopologies.forEach((sub, s) => {
    const nodeId = new Map(sub.nodes.map((n, i) => [n.name, `s${s}n${i}`]));
    const storeId = new Map(sub.stores.map((st, i) => [st.name, `s${s}st${i}`]));
    lines.push(`    subgraph s${s}[${label(`Sub-topology ${s}: ${sub.name}`)}]`);
    for (const n of sub.nodes) {
      const text = n.kind === 'source' || n.kind === 'sink' ? n.name : `${n.name} (${n.kind})`;
      lines.push(`        ${nodeId.get(n.name)}[${label(text)}]`);
    }
    for (const st of sub.stores) lines.push(`        ${storeId.get(st.name)}[(${label(st.name)})]`);
    for (const n of sub.nodes) {
      for (const child of n.children) lines.push(`        ${nodeId.get(n.name)} --> ${nodeId.get(child)}`);
      for (const st of n.stores) if (storeId.has(st)) lines.push(`        ${nodeId.get(n.name)} -.- ${storeId.get(st)}`);
    }
    lines.push('    end');
    for (const n of sub.nodes) {
      if (n.kind === 'source') links.push(`    ${topicId(n.topic)} --> ${nodeId.get(n.name)}`);
      if (n.kind === 'sink') links.push(`    ${nodeId.get(n.name)} --> ${topicId(n.topic)}`);
    }
  });
  return `${[...lines, ...links].join('\n')}\n`;
}

/**
 * The baseline: a bare Fastify route returning the same JSON as the full service's GET /api/v1/items/,
 * with no logging, metrics, request ID, security headers, load shedding or tracing.
 */
import Fastify from 'fastify';

const itemCount = Number(process.env.BENCH_ITEMS ?? '20');
const items = Array.from({ length: itemCount }, (_, index) => ({
  id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  name: `item-${index}`,
  description: 'benchmark item',
  price: index + 1,
  created_at: new Date(0).toISOString(),
}));

const app = Fastify({ logger: false });
app.get('/api/v1/items/', async () => ({ items, total: items.length, limit: 20, offset: 0 }));
app.listen({ host: '127.0.0.1', port: Number(process.env.APP_PORT ?? '0') }).then(() => {
  const address = app.server.address();
  process.stdout.write(`${JSON.stringify({ event: 'application_started', port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));

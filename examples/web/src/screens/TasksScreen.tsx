import type { ApolloCache } from "@apollo/client";
import { useMutation, useQuery, useSubscription } from "@apollo/client/react";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import {
  CREATE_TASK,
  DELETE_TASK,
  SET_TASK_DONE,
  TASK_EVENTS,
  TASKS,
  type Task,
  type TaskEvent,
} from "../graphql/operations";
import { draftStore } from "../state/drafts";
import { describeError } from "./errors";

const NEW_TASK_DRAFT = "new-task";
/** How long "Undo" stays offered after a delete. */
const UNDO_MS = 8_000;

export function TasksScreen({ userId }: { userId: string }) {
  const { data, loading, error } = useQuery(TASKS, { fetchPolicy: "cache-and-network" });
  // Changes made in another tab or on another device, live. An UPDATED task is written to the
  // normalized cache by Apollo itself (it has its id); the list only needs adding to and removing from.
  useSubscription(TASK_EVENTS, {
    onData: ({ client, data: event }) => {
      if (event.data) applyTaskEvent(client.cache, event.data.taskEvents);
    },
  });
  // Kept in memory as it is typed, so a session that ends before "Add" does not lose it.
  const [title, setTitleState] = useState(() => draftStore.read(NEW_TASK_DRAFT, userId));
  const setTitle = (text: string) => {
    setTitleState(text);
    draftStore.keep(NEW_TASK_DRAFT, userId, text);
  };
  const [createTask, creation] = useMutation(CREATE_TASK, {
    onCompleted: () => setTitle(""),
    update: appendCreatedTask,
  });
  const [deleted, setDeleted] = useState<Task | null>(null);
  const dismissUndo = useCallback(() => setDeleted(null), []);

  function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (title.trim()) void createTask({ variables: { title: title.trim() } });
  }

  return (
    <section>
      <h1>Your tasks</h1>
      <form className="inline" onSubmit={add}>
        <input
          aria-label="New task"
          placeholder="What needs doing?"
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          required
        />
        <button type="submit" disabled={creation.loading}>
          Add
        </button>
      </form>
      {creation.error && <p className="error">{describeError(creation.error)}</p>}
      {error && <p className="error">{describeError(error)}</p>}
      {loading && !data && <p className="status">Loading…</p>}
      {data?.tasks.length === 0 && <p className="status">Nothing to do yet.</p>}
      <ul className="tasks">
        {data?.tasks.map((task) => (
          <TaskItem key={task.id} task={task} onDeleted={setDeleted} />
        ))}
      </ul>
      {deleted && <UndoDelete key={deleted.id} task={deleted} onDone={dismissUndo} />}
    </section>
  );
}

/**
 * The API lists tasks by creation, so a created one goes at the end of the cached list, once:
 * this tab's own creation arrives both as the mutation's answer and as an event.
 */
function appendTask(cache: ApolloCache, task: Task) {
  cache.updateQuery({ query: TASKS }, (existing) =>
    existing && !existing.tasks.some((listed) => listed.id === task.id)
      ? { tasks: [...existing.tasks, task] }
      : existing,
  );
}

function appendCreatedTask(cache: ApolloCache, { data }: { data?: { createTask: Task } | null }) {
  if (data) appendTask(cache, data.createTask);
}

function applyTaskEvent(cache: ApolloCache, event: TaskEvent) {
  if (event.kind === "CREATED" && event.task) appendTask(cache, event.task);
  if (event.kind === "DELETED") {
    cache.evict({ id: cache.identify({ __typename: "Task", id: event.taskId }) });
    cache.gc();
  }
}

function TaskItem({ task, onDeleted }: { task: Task; onDeleted: (task: Task) => void }) {
  // The mutation returns the task with its id: Apollo's normalized cache updates the list itself.
  const [setDone, update] = useMutation(SET_TASK_DONE);
  const [deleteTask, deletion] = useMutation(DELETE_TASK, {
    update(cache, { data }) {
      if (!data?.deleteTask) return;
      cache.evict({ id: cache.identify({ __typename: "Task", id: task.id }) });
      cache.gc();
    },
    onCompleted: (data) => {
      if (data.deleteTask) onDeleted(task);
    },
  });
  const failure = update.error ?? deletion.error;

  return (
    <li className={task.done ? "done" : undefined}>
      <label>
        <input
          type="checkbox"
          checked={task.done}
          disabled={update.loading}
          onChange={(event) =>
            void setDone({ variables: { id: task.id, done: event.target.checked } })
          }
        />
        <span>{task.title}</span>
      </label>
      <button
        type="button"
        className="secondary"
        aria-label={`Delete ${task.title}`}
        disabled={deletion.loading}
        onClick={() => void deleteTask({ variables: { id: task.id } })}
      >
        Delete
      </button>
      {failure && <p className="error">{describeError(failure)}</p>}
    </li>
  );
}

/**
 * "Deleted. Undo" for a few seconds. The delete has already happened on the API (nothing is left
 * pending if the tab closes); undo creates the task again with its title and done state, so it
 * comes back as a new task, at the end of the list, as the API orders tasks by creation.
 */
function UndoDelete({ task, onDone }: { task: Task; onDone: () => void }) {
  const [recreate, recreation] = useMutation(CREATE_TASK, { update: appendCreatedTask });
  const [setDone, marking] = useMutation(SET_TASK_DONE);
  const busy = recreation.loading || marking.loading;
  const failure = recreation.error ?? marking.error;

  useEffect(() => {
    if (busy || failure) return undefined;
    const timer = setTimeout(onDone, UNDO_MS);
    return () => clearTimeout(timer);
  }, [busy, failure, onDone]);

  async function undo() {
    const created = await recreate({ variables: { title: task.title } });
    const id = created.data?.createTask.id;
    if (!id) return;
    if (task.done) await setDone({ variables: { id, done: true } });
    onDone();
  }

  return (
    <div className="toast" role="status">
      <span>
        Deleted “<strong>{task.title}</strong>”.
        {failure && <span className="error"> Could not undo: {describeError(failure)}</span>}
      </span>
      <button
        type="button"
        className="link"
        disabled={busy}
        onClick={() => void undo().catch(() => undefined)}
      >
        Undo
      </button>
      <button type="button" className="link" aria-label="Dismiss" onClick={onDone}>
        ×
      </button>
    </div>
  );
}

import { useMutation, useQuery } from "@apollo/client/react";
import { useState, type FormEvent } from "react";
import { CREATE_TASK, DELETE_TASK, SET_TASK_DONE, TASKS, type Task } from "../graphql/operations";
import { describeError } from "./errors";

export function TasksScreen() {
  const { data, loading, error } = useQuery(TASKS, { fetchPolicy: "cache-and-network" });
  const [title, setTitle] = useState("");
  const [createTask, creation] = useMutation(CREATE_TASK, {
    onCompleted: () => setTitle(""),
    update(cache, { data }) {
      if (!data) return;
      cache.updateQuery({ query: TASKS }, (existing) =>
        existing ? { tasks: [...existing.tasks, data.createTask] } : existing,
      );
    },
  });

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
          <TaskItem key={task.id} task={task} />
        ))}
      </ul>
    </section>
  );
}

function TaskItem({ task }: { task: Task }) {
  // The mutation returns the task with its id: Apollo's normalized cache updates the list itself.
  const [setDone, update] = useMutation(SET_TASK_DONE);
  const [deleteTask, deletion] = useMutation(DELETE_TASK, {
    update(cache, { data }) {
      if (!data?.deleteTask) return;
      cache.evict({ id: cache.identify({ __typename: "Task", id: task.id }) });
      cache.gc();
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

import { useMutation, useQuery } from "@apollo/client/react";
import type { Role } from "../auth/access-token";
import { SET_USER_ROLES, USERS, type User } from "../graphql/operations";
import { describeError } from "./errors";

const ROLES: readonly Role[] = ["USER", "EDITOR", "ADMIN"];

export function AdminScreen() {
  const { data, loading, error } = useQuery(USERS, { fetchPolicy: "cache-and-network" });
  return (
    <section>
      <h1>Users</h1>
      <p className="hint">
        Role changes apply at once: a removed role stops being honoured on the user's current
        tokens; an added one arrives with their next refresh.
      </p>
      {error && <p className="error">{describeError(error)}</p>}
      {loading && !data && <p className="status">Loading…</p>}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            {ROLES.map((role) => (
              <th key={role}>{role}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data?.users.map((user) => (
            <UserRow key={user.id} user={user} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function UserRow({ user }: { user: User }) {
  const [setRoles, { loading, error }] = useMutation(SET_USER_ROLES);
  function toggle(role: Role, on: boolean) {
    const roles = on ? [...user.roles, role] : user.roles.filter((r) => r !== role);
    void setRoles({ variables: { userId: user.id, roles } });
  }
  return (
    <tr>
      <td>
        {user.email}
        {error && <p className="error">{describeError(error)}</p>}
      </td>
      {ROLES.map((role) => (
        <td key={role}>
          <input
            type="checkbox"
            aria-label={`${role} for ${user.email}`}
            checked={user.roles.includes(role)}
            disabled={loading}
            onChange={(event) => toggle(role, event.target.checked)}
          />
        </td>
      ))}
    </tr>
  );
}

import { gql, type TypedDocumentNode } from "@apollo/client";
import type { Role } from "../auth/access-token";

// Hand-written types keep the example free of a code generator; a real app would generate them
// from the API's schema.graphql (for example with GraphQL Code Generator).

export interface User {
  id: string;
  email: string;
  displayName: string | null;
  roles: Role[];
}

export interface Task {
  id: string;
  title: string;
  done: boolean;
}

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
}

// Sign-in payloads ask for the access token only: the refresh token arrives as an HttpOnly cookie,
// and leaving `refreshToken` out of the selection set keeps it out of this app's memory entirely.
interface AuthPayload {
  accessToken: string;
  user: User;
}

export const SIGN_IN: TypedDocumentNode<
  { login: AuthPayload },
  { input: { email: string; password: string } }
> = gql`
  mutation SignIn($input: LoginInput!) {
    login(input: $input) {
      accessToken
      user {
        id
        email
        displayName
        roles
      }
    }
  }
`;

export const SIGN_UP: TypedDocumentNode<
  { register: AuthPayload },
  { input: { email: string; password: string; displayName?: string } }
> = gql`
  mutation SignUp($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      user {
        id
        email
        displayName
        roles
      }
    }
  }
`;

export const SIGN_OUT: TypedDocumentNode<{ logout: boolean }, { everywhere: boolean }> = gql`
  mutation SignOut($everywhere: Boolean!) {
    logout(everywhere: $everywhere)
  }
`;

export const ME: TypedDocumentNode<{ me: User }, Record<string, never>> = gql`
  query Me {
    me {
      id
      email
      displayName
      roles
    }
  }
`;

export const TASKS: TypedDocumentNode<{ tasks: Task[] }, Record<string, never>> = gql`
  query Tasks {
    tasks {
      id
      title
      done
    }
  }
`;

export const CREATE_TASK: TypedDocumentNode<{ createTask: Task }, { title: string }> = gql`
  mutation CreateTask($title: String!) {
    createTask(input: { title: $title }) {
      id
      title
      done
    }
  }
`;

export const SET_TASK_DONE: TypedDocumentNode<{ updateTask: Task }, { id: string; done: boolean }> =
  gql`
    mutation SetTaskDone($id: ID!, $done: Boolean!) {
      updateTask(id: $id, patch: { done: $done }) {
        id
        title
        done
      }
    }
  `;

export const DELETE_TASK: TypedDocumentNode<{ deleteTask: boolean }, { id: string }> = gql`
  mutation DeleteTask($id: ID!) {
    deleteTask(id: $id)
  }
`;

export interface TaskEvent {
  kind: "CREATED" | "UPDATED" | "DELETED";
  taskId: string;
  /** Null for DELETED. */
  task: Task | null;
}

/** The signed-in person's own task changes, from any tab or device (over the WebSocket). */
export const TASK_EVENTS: TypedDocumentNode<{ taskEvents: TaskEvent }, Record<string, never>> = gql`
  subscription TaskEvents {
    taskEvents {
      kind
      taskId
      task {
        id
        title
        done
      }
    }
  }
`;

export const SESSIONS: TypedDocumentNode<{ sessions: Session[] }, Record<string, never>> = gql`
  query Sessions {
    sessions {
      id
      createdAt
      lastUsedAt
      expiresAt
      userAgent
      current
    }
  }
`;

export const END_SESSION: TypedDocumentNode<{ revokeSession: boolean }, { id: string }> = gql`
  mutation EndSession($id: ID!) {
    revokeSession(id: $id)
  }
`;

export const USERS: TypedDocumentNode<{ users: User[] }, Record<string, never>> = gql`
  query Users {
    users {
      id
      email
      displayName
      roles
    }
  }
`;

export const SET_USER_ROLES: TypedDocumentNode<
  { setUserRoles: User },
  { userId: string; roles: Role[] }
> = gql`
  mutation SetUserRoles($userId: ID!, $roles: [Role!]!) {
    setUserRoles(userId: $userId, roles: $roles) {
      id
      roles
    }
  }
`;

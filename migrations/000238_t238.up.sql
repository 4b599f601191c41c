CREATE TABLE t238 (id bigint PRIMARY KEY, name text NOT NULL);

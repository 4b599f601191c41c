CREATE TABLE t489 (id bigint PRIMARY KEY, name text NOT NULL);

CREATE TABLE t298 (id bigint PRIMARY KEY, name text NOT NULL);

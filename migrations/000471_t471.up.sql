CREATE TABLE t471 (id bigint PRIMARY KEY, name text NOT NULL);

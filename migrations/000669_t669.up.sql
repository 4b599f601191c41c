CREATE TABLE t669 (id bigint PRIMARY KEY, name text NOT NULL);

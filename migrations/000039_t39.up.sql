CREATE TABLE t39 (id bigint PRIMARY KEY, name text NOT NULL);

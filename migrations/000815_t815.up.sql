CREATE TABLE t815 (id bigint PRIMARY KEY, name text NOT NULL);

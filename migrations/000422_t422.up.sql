CREATE TABLE t422 (id bigint PRIMARY KEY, name text NOT NULL);

CREATE TABLE t659 (id bigint PRIMARY KEY, name text NOT NULL);

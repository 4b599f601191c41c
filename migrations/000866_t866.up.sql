CREATE TABLE t866 (id bigint PRIMARY KEY, name text NOT NULL);
